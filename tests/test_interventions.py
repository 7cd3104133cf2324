"""Tests for opinionsim.interventions and the model's do()/schedule."""

import copy
import dataclasses
import math
import pickle

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from opinionsim import OpinionModel, OpinionSimError
from opinionsim.engine import CompleteGraph
from opinionsim.interventions import (
    MAX_MATERIALISED_AGENTS,
    ClipKeyNorm,
    Compose,
    CutTies,
    Intervention,
    Pin,
    SetAffinity,
    SetRule,
    SetStubbornness,
    SetTemperature,
)

INF = float("inf")


def sign_differs(x_listener, x_speaker):
    return x_listener[:, 0] * x_speaker[:, 0] < 0


# ---- helpers ---------------------------------------------------------------------------
def snapshot(model):
    adj = model.network.adjacency
    adj = adj if isinstance(adj, CompleteGraph) else adj.copy()
    return {
        "X": model.opinions.copy(),
        "X0": model.initial_opinions.copy(),
        "rule": copy.deepcopy(model.rule),
        "adjacency": adj,
        "applied": list(model.interventions_applied),
        "steps": model.steps,
    }


def assert_unchanged(model, snap):
    assert np.array_equal(model.opinions, snap["X"])
    assert np.array_equal(model.initial_opinions, snap["X0"])
    assert model.rule.equals(snap["rule"])
    adj = model.network.adjacency
    if isinstance(snap["adjacency"], CompleteGraph):
        assert adj == snap["adjacency"]
    else:
        assert not isinstance(adj, CompleteGraph)
        assert (adj != snap["adjacency"]).nnz == 0
        assert np.array_equal(adj.indptr, snap["adjacency"].indptr)
    assert model.interventions_applied == snap["applied"]
    assert model.steps == snap["steps"]


def trajectory(model, steps):
    out = [model.opinions.copy()]
    for _ in range(steps):
        model.step()
        out.append(model.opinions.copy())
    return np.array(out)


def small_model(**kw):
    args = dict(graph=nx.complete_graph(6), dim=2, temperature=0.7, noise=0.05, seed=3,
                salience=np.linspace(0.5, 2.0, 6))
    args.update(kw)
    return OpinionModel(**args)


# ---- the contract every intervention passes --------------------------------------------
CONTRACT = [
    SetTemperature(0.2),
    SetTemperature(INF),
    SetAffinity("cosine"),
    SetRule("uniform"),
    SetRule("bounded_confidence", confidence=0.4, step_size=0.3),
    Pin([0, 1], opinion=1.0),
    Pin([2], opinion=[0.5, -0.5]),
    CutTies([(0, 1), (2, 3)]),
    CutTies([(0, 1)], symmetric=True),
    CutTies(where=sign_differs),
    ClipKeyNorm(0.5),
    SetStubbornness(0.3),
    SetStubbornness(np.linspace(0, 1, 6)),
    SetStubbornness({0: 1.0, 5: 0.25}),
    Compose(SetTemperature(0.1), Pin([4], opinion=-1.0), CutTies([(4, 5)])),
]
EVAL_NAMESPACE = {cls.__name__: cls for cls in (SetTemperature, SetAffinity, SetRule, Pin, CutTies,
                                                 ClipKeyNorm, SetStubbornness, Compose)}
EVAL_NAMESPACE.update(inf=INF, sign_differs=sign_differs)


@pytest.mark.parametrize("iv", CONTRACT, ids=repr)
def test_contract_repr_is_clear_and_reproduces_the_intervention(iv):
    text = repr(iv)
    assert text.startswith(type(iv).__name__ + "(")
    assert " object at 0x" not in text
    if "<" not in text and "…" not in text:  # no summarised arrays
        assert eval(text, EVAL_NAMESPACE) == iv


@pytest.mark.parametrize("iv", CONTRACT, ids=repr)
def test_contract_immutable_hashable_picklable(iv):
    field = dataclasses.fields(iv)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(iv, field, None)
    twin = pickle.loads(pickle.dumps(iv))
    assert twin == iv and hash(twin) == hash(iv)
    assert iv != SetTemperature(123.0)


@pytest.mark.parametrize("iv", CONTRACT, ids=repr)
def test_contract_docstring_says_what_it_replaces(iv):
    doc = type(iv).__doc__
    assert doc and "replace" in doc.lower()
    assert "Examples" in doc


@pytest.mark.parametrize("iv", CONTRACT, ids=repr)
def test_contract_do_logs_changes_only_new_objects_and_is_deterministic(iv):
    a, b = small_model(), small_model()
    a.run(2)
    b.run(2)
    X_before, rule_before, adj_before = a._X, a.rule, a.network.adjacency
    X_copy, rule_copy, adj_copy = X_before.copy(), copy.deepcopy(rule_before), adj_before.copy()
    a.do(iv)
    b.do(iv)
    assert a.interventions_applied == [(2, iv)]
    # the old state objects were not written into (copy-on-write)
    assert np.array_equal(X_before, X_copy)
    assert rule_before.equals(rule_copy)
    assert (adj_before != adj_copy).nnz == 0 and np.array_equal(adj_before.indptr, adj_copy.indptr)
    # something changed, and the same intervention on the same world gives the same future
    assert not (a.rule.equals(rule_before) and np.array_equal(a._X, X_before)
                and a.network.adjacency is adj_before)
    assert np.array_equal(trajectory(a, 3), trajectory(b, 3))


# ---- null interventions: bit-identical futures -----------------------------------------
def null_interventions(model):
    return [
        SetTemperature(model.temperature),
        SetAffinity(model.affinity),
        SetStubbornness(model.rule.stubbornness),
        SetRule(model.rule.rule, temperature=model.temperature, noise=model.rule.noise),
        ClipKeyNorm(1e300),
        Compose(SetTemperature(model.temperature), SetAffinity(model.affinity)),
    ]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), activation=st.sampled_from(
    ["synchronous", "random_sequential", "random_async"]),
    temperature=st.sampled_from([0.05, 1.0, INF]), at=st.integers(0, 3))
def test_null_interventions_leave_the_future_bit_identical(seed, activation, temperature, at):
    def make():
        return OpinionModel(graph=nx.watts_strogatz_graph(12, 4, 0.3, seed=1), dim=2,
                            temperature=temperature, noise=0.1, activation=activation,
                            activation_rate=0.6, seed=seed)

    reference = make()
    reference.run(at)
    expected = trajectory(reference, 4)
    for iv in null_interventions(reference):
        m = make()
        m.run(at)
        m.do(iv)
        assert np.array_equal(trajectory(m, 4), expected), iv


# ---- SetTemperature / SetAffinity ------------------------------------------------------
@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), "0.1", None, True])
def test_set_temperature_fails_early_naming_temperature(bad):
    with pytest.raises(OpinionSimError, match="temperature"):
        SetTemperature(bad)


def test_set_temperature_changes_only_the_temperature():
    m = small_model()
    before = m.rule
    m.do(SetTemperature(0.05))
    assert m.temperature == 0.05
    assert m.rule.equals(before.replace(temperature=0.05))


def test_temperature_and_affinity_need_the_attention_rule():
    m = small_model(rule="uniform")
    snap = snapshot(m)
    for iv in (SetTemperature(0.1), SetAffinity("distance")):
        with pytest.raises(OpinionSimError, match="SetRule\\('attention'"):
            m.do(iv)
        assert_unchanged(m, snap)
    m.do(Compose(SetRule("attention"), SetTemperature(0.1), SetAffinity("distance")))
    assert (m.rule.rule, m.temperature, m.affinity) == ("attention", 0.1, "distance")


def test_set_affinity_validates_and_sets():
    with pytest.raises(OpinionSimError, match="kind == 'euclid'"):
        SetAffinity("euclid")
    m = small_model()
    m.do(SetAffinity("distance"))
    assert m.affinity == "distance"


# ---- SetRule ---------------------------------------------------------------------------
def test_set_rule_rejects_unknown_rules_and_parameters():
    with pytest.raises(OpinionSimError, match="rule == 'voter'.*'attention', 'uniform'"):
        SetRule("voter")
    with pytest.raises(OpinionSimError, match="unknown parameter 'fixed'.*temperature, affinity"):
        SetRule("uniform", fixed=[True])
    with pytest.raises(OpinionSimError, match="step_size == 2.0"):
        SetRule("uniform", step_size=2)


def test_set_rule_uniform_weights_are_one_over_degree():
    g = nx.path_graph(5)
    m = OpinionModel(g, temperature=0.1, include_self=False, seed=0)
    m.do(SetRule("uniform"))
    A = m.attention().toarray()
    degree = np.array([d for _, d in g.degree()])
    expected = nx.to_numpy_array(g) / degree[:, None]
    assert np.array_equal(A, expected)


def test_set_rule_bounded_confidence_weights_within_radius():
    X = np.array([0.0, 0.2, 0.3, 0.9, -0.25])
    m = OpinionModel(n_agents=5, initial_opinions=X, seed=0)
    m.do(SetRule("bounded_confidence", confidence=0.3))
    within = np.abs(X[:, None] - X[None, :]) <= 0.3
    expected = within / within.sum(axis=1, keepdims=True)
    assert np.allclose(m.attention().toarray(), expected, rtol=0, atol=1e-15)


def test_set_rule_bounded_confidence_needs_a_radius_and_leaves_model_intact():
    m = small_model()
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match="confidence"):
        m.do(SetRule("bounded_confidence"))
    assert_unchanged(m, snap)


def test_set_rule_per_agent_array_of_wrong_length():
    m = small_model()
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match=r"stubbornness has shape \(4,\).*\(6,\)"):
        m.do(SetRule("attention", stubbornness=[0.1] * 4))
    assert_unchanged(m, snap)


# ---- Pin -------------------------------------------------------------------------------
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("z_plus, z_minus", [(3, 1), (2, 2), (1, 4)])
def test_pin_zealot_fixed_point(z_plus, z_minus, include_self):
    """Complete graph, uniform attention: free agents go to (Z⁺ − Z⁻)/(Z⁺ + Z⁻)."""
    m = OpinionModel(n_agents=10, temperature=INF, step_size=1.0, include_self=include_self,
                     seed=5)
    plus, minus = list(range(z_plus)), list(range(z_plus, z_plus + z_minus))
    m.do(Compose(Pin(plus, opinion=1.0), Pin(minus, opinion=-1.0)))
    m.run(200)
    free = m.opinions[z_plus + z_minus:, 0]
    assert np.allclose(free, (z_plus - z_minus) / (z_plus + z_minus), rtol=0, atol=1e-12)
    assert np.all(m.opinions[plus, 0] == 1.0) and np.all(m.opinions[minus, 0] == -1.0)


def test_pinned_agents_ignore_noise_and_keep_speaking():
    m = small_model(noise=0.5, activation="random_sequential")
    m.do(Pin([0, 3], opinion=[0.25, -0.75]))
    m.run(5)
    assert np.array_equal(m.opinions[[0, 3]], [[0.25, -0.75], [0.25, -0.75]])
    assert m.zealots == [0, 3]
    assert m.attention()[[1], [0]].item() > 0


def test_pin_keeps_initial_opinions_and_normalises_on_the_sphere():
    m = small_model(opinion_space="sphere")
    X0 = m.initial_opinions.copy()
    m.do(Pin([1], opinion=[3.0, 4.0]))
    assert np.array_equal(m.initial_opinions, X0)
    assert np.allclose(m.opinions[1], [0.6, 0.8], rtol=0, atol=1e-15)
    with pytest.raises(OpinionSimError, match="zero vector"):
        m.do(Pin([2], opinion=0.0))


@pytest.mark.parametrize("nodes, opinion, match", [
    ([0], float("nan"), "opinion"),
    ([0], [[1.0, 2.0]], "opinion"),
    ([0], "up", "opinion"),
    ([], 1.0, "nodes is empty"),
    (0, 1.0, "collection of node labels"),
    ("ab", 1.0, "collection of node labels"),
])
def test_pin_validates_at_construction(nodes, opinion, match):
    with pytest.raises(OpinionSimError, match=match):
        Pin(nodes, opinion)


def test_pin_rejects_unknown_nodes_and_wrong_dim_before_touching_the_model():
    m = small_model()
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match="node 'x'"):
        m.do(Pin([0, "x"], opinion=1.0))
    with pytest.raises(OpinionSimError, match="3 values.*dim == 2"):
        m.do(Pin([0], opinion=[1.0, 0.0, 0.0]))
    assert_unchanged(m, snap)


# ---- CutTies ---------------------------------------------------------------------------
def test_cut_ties_removes_exactly_the_listed_directed_ties():
    g = nx.cycle_graph(5)
    m = OpinionModel(g, include_self=True, seed=0)
    before = m.network.adjacency.toarray()
    m.do(CutTies([(0, 1), (3, 2)]))
    expected = before.copy()
    expected[0, 1] = expected[3, 2] = 0
    assert np.array_equal(m.network.adjacency.toarray(), expected)
    m.do(CutTies([(1, 2)], symmetric=True))
    expected[1, 2] = expected[2, 1] = 0
    assert np.array_equal(m.network.adjacency.toarray(), expected)
    assert m.network.adjacency.has_sorted_indices


def test_cut_ties_symmetric_on_a_directed_graph_needs_one_direction():
    m = OpinionModel(nx.DiGraph([(0, 1), (1, 2)]), include_self=False, seed=0)
    m.do(CutTies([(1, 0)], symmetric=True))  # only 0 → 1 exists; it is cut
    assert m.network.adjacency.toarray()[0, 1] == 0
    with pytest.raises(OpinionSimError, match="neither 0 → 2 nor 2 → 0"):
        m.do(CutTies([(0, 2)], symmetric=True))


def test_cutting_a_missing_tie_names_it_and_changes_nothing():
    m = OpinionModel(nx.path_graph(4), include_self=False, seed=0)
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match=r"\(0, 2\): 0 does not listen to 2"):
        m.do(CutTies([(0, 1), (0, 2)]))
    with pytest.raises(OpinionSimError, match=r"\(1, 1\)"):
        m.do(CutTies([(1, 1)]))  # no self-ties without include_self
    with pytest.raises(OpinionSimError, match="node 9"):
        m.do(CutTies([(0, 9)]))
    # the second cut of the same tie sees the first one's state
    with pytest.raises(OpinionSimError, match="already cut"):
        m.do(Compose(CutTies([(0, 1)]), CutTies([(0, 1)])))
    assert_unchanged(m, snap)


def test_cut_ties_where_splits_a_complete_graph_by_sign():
    """After the cut each sign group is a clique: uniform attention reaches its own mean."""
    m = OpinionModel(n_agents=9, temperature=INF, step_size=1.0, seed=4)
    X = m.opinions[:, 0].copy()
    positive = X > 0
    assert 0 < positive.sum() < 9
    m.do(CutTies(where=sign_differs))
    A = m.network.adjacency.toarray() > 0
    assert np.array_equal(A, positive[:, None] == positive[None, :])  # self-ties kept
    m.step()
    expected = np.where(positive, X[positive].mean(), X[~positive].mean())
    assert np.allclose(m.opinions[:, 0], expected, rtol=0, atol=1e-15)


def test_cut_ties_on_a_complete_graph_matches_the_explicit_graph_bit_for_bit():
    X0 = np.random.default_rng(0).uniform(-1, 1, (7, 2))
    kw = dict(dim=2, temperature=0.3, noise=0.1, initial_opinions=X0, seed=11,
              include_self=False, activation="random_async", activation_rate=0.7)
    cut = [(0, 1), (1, 0), (4, 6)]
    implicit = OpinionModel(n_agents=7, interventions={0: CutTies(cut)}, **kw)
    g = nx.complete_graph(7, create_using=nx.DiGraph)
    g.remove_edges_from(cut)
    explicit = OpinionModel(g, **kw)
    assert np.array_equal(implicit.network.adjacency.toarray(),
                          explicit.network.adjacency.toarray())
    assert np.array_equal(trajectory(implicit, 5), trajectory(explicit, 5))


def test_cut_ties_where_self_ties_only_when_asked():
    m = OpinionModel(n_agents=4, noise=0.0, seed=2)
    X = m.opinions.copy()

    def everything(xi, xj):
        return np.ones(len(xi), dtype=bool)

    m.do(CutTies(where=everything))
    assert np.array_equal(m.network.adjacency.toarray(), np.eye(4))
    m.do(CutTies(where=everything, self_ties=True))
    assert m.network.adjacency.nnz == 0
    m.run(3)  # nobody to listen to: everyone keeps their opinion
    assert np.array_equal(m.opinions, X)


@pytest.mark.parametrize("where, match", [
    (lambda xi, xj: np.zeros(len(xi)), "dtype float64"),
    (lambda xi, xj: np.zeros(3, dtype=bool), r"shape \(3,\)"),
    (lambda xi: xi, "failed with TypeError.*where\\(x_listener, x_speaker\\)"),
])
def test_cut_ties_where_must_return_a_mask_over_ties(where, match):
    m = small_model()
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match=match):
        m.do(CutTies(where=where))
    assert_unchanged(m, snap)


def test_cut_ties_refuses_to_materialise_a_huge_complete_graph():
    m = OpinionModel(n_agents=MAX_MATERIALISED_AGENTS + 1, seed=0)
    with pytest.raises(OpinionSimError, match="complete graph of 10001 agents.*graph="):
        m.do(CutTies([(0, 1)]))
    assert m.network.complete


@pytest.mark.parametrize("kwargs, match", [
    ({}, "exactly one of edges"),
    ({"edges": [(0, 1)], "where": sign_differs}, "exactly one of edges"),
    ({"edges": [(0, 1, 2)]}, r"\(0, 1, 2\)"),
    ({"edges": [0]}, "pair"),
    ({"edges": []}, "empty"),
    ({"where": 3}, "callable"),
    ({"where": sign_differs, "symmetric": True}, "symmetric"),
    ({"edges": [(0, 1)], "self_ties": True}, "self_ties"),
])
def test_cut_ties_validates_at_construction(kwargs, match):
    with pytest.raises(OpinionSimError, match=match):
        CutTies(**kwargs)


# ---- ClipKeyNorm -----------------------------------------------------------------------
def test_clip_key_norm_rescales_only_long_keys():
    X = np.array([1.0, 0.5, 0.4, 0.3, 0.2])
    salience = np.array([10.0, 1.0, 1.0, 1.0, 1.0])
    m = OpinionModel(n_agents=5, initial_opinions=X, salience=salience, temperature=0.5, seed=0)
    hijacked = m.attention().toarray()[1:, 0]
    m.do(ClipKeyNorm(0.5))
    keys = np.array([0.5, 0.5, 0.4, 0.3, 0.2])  # only the loud agent's key is rescaled
    scores = X[:, None] * keys[None, :] / 0.5
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    A = m.attention().toarray()
    assert np.allclose(A, expected, rtol=1e-13, atol=0)
    assert np.all(A[1:, 0] < hijacked)
    assert m.rule.key_norm_clip == 0.5


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), INF, "1"])
def test_clip_key_norm_validates(bad):
    with pytest.raises(OpinionSimError, match="max_norm"):
        ClipKeyNorm(bad)


# ---- SetStubbornness -------------------------------------------------------------------
def test_set_stubbornness_friedkin_johnsen_steady_state():
    """Complete graph, uniform attention: x* = (s·x0 + (1−s)·a·m0) / (1 − (1−s)(1−a))."""
    s, a = 0.4, 0.5
    m = OpinionModel(n_agents=8, temperature=INF, step_size=a, seed=9,
                     interventions={0: SetStubbornness(s)})
    x0 = m.initial_opinions[:, 0]
    m.run(80)
    expected = (s * x0 + (1 - s) * a * x0.mean()) / (1 - (1 - s) * (1 - a))
    assert np.allclose(m.opinions[:, 0], expected, rtol=0, atol=1e-12)


def test_set_stubbornness_dict_sets_only_the_named_agents():
    m = OpinionModel(n_agents=5, temperature=INF, stubbornness=0.2, seed=1)
    m.run(2)
    m.do(SetStubbornness({3: 1.0}))
    assert m.rule.stubbornness.tolist() == [0.2, 0.2, 0.2, 1.0, 0.2]
    m.run(2)
    assert np.array_equal(m.opinions[3], m.initial_opinions[3])  # fully anchored, exactly


@pytest.mark.parametrize("values, match", [
    (1.5, "stubbornness == 1.5"),
    (-0.1, "stubbornness == -0.1"),
    ([0.1, 2.0], r"stubbornness == 2.0 \(agent row 1\)"),
    ({0: 3.0}, "stubbornness == 3.0"),
    ({}, "empty"),
    ("high", "stubbornness"),
])
def test_set_stubbornness_validates_at_construction(values, match):
    with pytest.raises(OpinionSimError, match=match):
        SetStubbornness(values)


def test_set_stubbornness_checks_the_model_before_touching_it():
    m = small_model()
    snap = snapshot(m)
    with pytest.raises(OpinionSimError, match=r"\(4,\), must be \(6,\)"):
        m.do(SetStubbornness([0.1] * 4))
    with pytest.raises(OpinionSimError, match="node 7"):
        m.do(SetStubbornness({7: 0.5}))
    assert_unchanged(m, snap)


# ---- Compose ---------------------------------------------------------------------------
def test_compose_applies_in_order_as_one_logged_intervention():
    m = small_model()
    iv = Compose(SetTemperature(0.1), SetTemperature(0.2), Pin([0], opinion=0.5))
    m.do(iv)
    assert m.temperature == 0.2 and m.zealots == [0]
    assert m.interventions_applied == [(0, iv)]


def test_compose_with_an_invalid_member_leaves_the_model_exactly_as_it_was():
    m = small_model()
    m.run(1)
    snap = snapshot(m)
    for iv in (Compose(SetTemperature(0.1), Pin([99], opinion=1.0)),
               Compose(Pin([0], opinion=1.0), CutTies([(0, 0)]), ClipKeyNorm(1.0),
                       CutTies([(1, 2), (0, 0)])),  # (0, 0) is already cut by then
               Compose(CutTies([(0, 1)]), SetRule("bounded_confidence"))):
        with pytest.raises(OpinionSimError):
            m.do(iv)
        assert_unchanged(m, snap)


def test_compose_validates_members():
    with pytest.raises(OpinionSimError, match="at least one"):
        Compose()
    with pytest.raises(OpinionSimError, match="not an intervention"):
        Compose(SetTemperature(0.1), "SetTemperature(0.2)")


# ---- scheduling ------------------------------------------------------------------------
def test_schedule_equals_manual_do_bit_for_bit():
    schedule = {0: ClipKeyNorm(1.0), 2: Pin([1], opinion=[1.0, 1.0]), 5: SetTemperature(0.05)}
    scheduled = small_model(activation="random_async", interventions=schedule)
    manual = small_model(activation="random_async")
    manual.do(schedule[0])
    for t in range(1, 8):
        manual.step()
        if t in schedule:
            manual.do(schedule[t])
    scheduled.run(7)
    assert np.array_equal(scheduled.opinions, manual.opinions)
    assert scheduled.interventions_applied == [(0, schedule[0]), (2, schedule[2]),
                                               (5, schedule[5])]
    assert scheduled.interventions_applied == manual.interventions_applied
    df_s = scheduled.datacollector.get_model_vars_dataframe()
    df_m = manual.datacollector.get_model_vars_dataframe()
    assert df_s.equals(df_m)


def test_scheduled_intervention_acts_after_its_step_is_recorded():
    m = OpinionModel(n_agents=4, temperature=INF, reporters=["mean_opinion"], seed=0,
                     interventions={0: Pin([0, 1, 2, 3], opinion=0.9)})
    df = m.datacollector.get_model_vars_dataframe()
    assert df["mean_opinion"].iloc[0] == pytest.approx(m.initial_opinions.mean(), abs=1e-15)
    assert np.all(m.opinions == 0.9)
    m.step()
    assert m.datacollector.get_model_vars_dataframe()["mean_opinion"].iloc[1] == \
        pytest.approx(0.9, abs=1e-15)


@pytest.mark.parametrize("schedule, match", [
    ([SetTemperature(0.1)], "must be a dict"),
    ({-1: SetTemperature(0.1)}, "key -1"),
    ({1.5: SetTemperature(0.1)}, "key 1.5"),
    ({True: SetTemperature(0.1)}, "key True"),
    ({3: "SetTemperature(0.1)"}, r"interventions\[3\].*Compose"),
    ({3: Pin(["ghost"], opinion=1.0)}, r"interventions\[3\].*ghost"),
    ({2: SetStubbornness([0.5, 0.5])}, r"interventions\[2\].*\(2,\)"),
])
def test_schedule_is_validated_at_construction(schedule, match):
    with pytest.raises(OpinionSimError, match=match):
        small_model(interventions=schedule)


def test_scheduled_intervention_rejected_at_run_time_names_its_step():
    m = small_model(interventions={1: SetRule("uniform"), 3: SetTemperature(0.1)})
    m.run(2)
    with pytest.raises(OpinionSimError, match="scheduled for step 3, SetTemperature"):
        m.run(1)
    assert m.rule.rule == "uniform"
    assert [t for t, _ in m.interventions_applied] == [1]


def test_custom_intervention_subclass():
    @dataclasses.dataclass(frozen=True, eq=False)
    class Silence(Intervention):
        """Replace every opinion by zero (an example extension)."""

        def _prepare(self, model, state):
            return dataclasses.replace(state, opinions=np.zeros_like(state.opinions))

    m = small_model()
    m.do(Silence())
    assert not m.opinions.any()
    assert math.isfinite(m.temperature)
    assert isinstance(m.network.adjacency, sp.sparray)
