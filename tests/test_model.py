"""OpinionModel: the Mesa shell, validation, schedulers on hand-computed cases."""

import mesa
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionAgent, OpinionModel, OpinionSimError
from opinionsim import _random
from opinionsim.engine import CompleteGraph
from opinionsim.rules import UpdateRule
from opinionsim.scheduler import random_async, random_sequential, synchronous

INF = float("inf")


def test_quickstart_shapes_and_types():
    g = nx.watts_strogatz_graph(300, 10, 0.1, seed=1)
    model = OpinionModel(graph=g, dim=2, temperature=0.05, seed=7)
    model.run(20)
    assert isinstance(model, mesa.Model)
    assert model.opinions.shape == (300, 2) and model.opinions.dtype == np.float64
    A = model.attention()
    assert isinstance(A, sp.csr_array) and A.shape == (300, 300)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)
    agents = model.agents
    assert isinstance(agents, mesa.agent.AgentSet) and len(agents) == 300
    agent = next(iter(agents))
    assert isinstance(agent, OpinionAgent)
    np.testing.assert_array_equal(agent.opinion, model.opinions[agent.row])
    assert model.nodes[agent.row] == agent.node
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df["step"]) == list(range(21))
    assert {"mean_opinion", "variance", "max_change"} <= set(df.columns)


def test_agent_opinion_follows_the_model_and_mesa_selection_works():
    model = OpinionModel(n_agents=10, temperature=INF, step_size=1.0, seed=1)
    agents = model.agents
    model.step()
    for a in agents:
        np.testing.assert_array_equal(a.opinion, model.opinions[a.row])
    positive = agents.select(lambda a: a.opinion[0] > model.opinions[:, 0].mean() - 1)
    assert len(positive) == 10


def test_opinions_view_is_read_only():
    model = OpinionModel(n_agents=4, seed=0)
    with pytest.raises(ValueError):
        model.opinions[0, 0] = 5.0
    with pytest.raises(ValueError):
        next(iter(model.agents)).opinion[0] = 5.0


def test_node_labels_are_kept_in_graph_order():
    g = nx.Graph([("x", "y"), ("y", "z")])
    model = OpinionModel(graph=g, initial_opinions=[1.0, 2.0, 3.0], seed=0)
    assert model.nodes == ["x", "y", "z"]
    assert {a.node for a in model.agents} == {"x", "y", "z"}


def test_seed_recorded_and_reproducible_bit_for_bit():
    kw = dict(n_agents=40, dim=2, noise=0.05, activation="random_async",
              activation_rate=0.5, temperature=0.3)
    a = OpinionModel(**kw, seed=123)
    b = OpinionModel(**kw, seed=123)
    a.run(15)
    b.run(15)
    assert a.seed == 123
    np.testing.assert_array_equal(a.opinions, b.opinions)
    c = OpinionModel(**kw)  # no seed: one is drawn and recorded
    d = OpinionModel(**kw, seed=c.seed)
    c.run(5)
    d.run(5)
    np.testing.assert_array_equal(c.opinions, d.opinions)


def test_activation_regimes_hand_computed_three_agents():
    # path 0 - 1 - 2 with self-loops, uniform weights, step size 1, x = (0, 3, 9).
    adj = sp.csr_array(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float))
    X = np.array([[0.0], [3.0], [9.0]])
    rule = UpdateRule.create(n=3, dim=1, temperature=INF, step_size=1.0)
    np.testing.assert_array_equal(synchronous(X, X, adj, rule)[:, 0], [1.5, 4.0, 6.0])
    # order 1, 0, 2: x1 = 12/3 = 4; x0 = (0 + 4)/2 = 2; x2 = (4 + 9)/2 = 6.5
    np.testing.assert_array_equal(random_sequential(X, X, adj, rule, [1, 0, 2])[:, 0],
                                  [2.0, 4.0, 6.5])
    # order 2, 0, 1: x2 = 6; x0 = 1.5; x1 = (1.5 + 3 + 6)/3 = 3.5
    np.testing.assert_array_equal(random_sequential(X, X, adj, rule, [2, 0, 1])[:, 0],
                                  [1.5, 3.5, 6.0])
    np.testing.assert_array_equal(
        random_async(X, X, adj, rule, np.array([True, False, True]))[:, 0], [1.5, 3.0, 6.0])


@pytest.mark.parametrize("activation", ["random_sequential", "random_async"])
def test_model_uses_the_steps_documented_random_stream(activation):
    adj = sp.csr_array(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float))
    X = np.array([[0.0], [3.0], [9.0]])
    model = OpinionModel(graph=adj, temperature=INF, step_size=1.0, initial_opinions=X,
                         activation=activation, activation_rate=0.5, seed=42)
    model.step()
    rng = _random.stream(42, _random.ACTIVATION, 1)
    rule = UpdateRule.create(n=3, dim=1, temperature=INF, step_size=1.0)
    if activation == "random_sequential":
        expected = random_sequential(X, X, adj, rule, rng.permutation(3))
    else:
        expected = random_async(X, X, adj, rule, rng.random(3) < 0.5)
    np.testing.assert_array_equal(model.opinions, expected)


def test_random_sequential_sees_latest_opinions_on_complete_graph():
    X = np.array([[0.0], [3.0], [9.0]])
    rule = UpdateRule.create(n=3, dim=1, temperature=INF, step_size=1.0)
    out = random_sequential(X, X, CompleteGraph(3), rule, [0, 1, 2])
    np.testing.assert_allclose(out[:, 0], [4.0, 16 / 3, (4 + 16 / 3 + 9) / 3])


def test_isolated_agent_keeps_its_opinion():
    g = nx.Graph()
    g.add_nodes_from([0, 1, 2])
    g.add_edge(0, 1)
    model = OpinionModel(graph=g, include_self=False, temperature=0.1,
                         initial_opinions=[0.0, 1.0, 7.0], seed=0)
    model.run(3)
    assert model.opinions[2, 0] == 7.0
    A = model.attention().toarray()
    assert A[2, 2] == 1.0


def test_non_finite_step_raises_naming_the_step():
    # norms of 1e200 are beyond the promised 1e100: dot-product scores overflow
    model = OpinionModel(n_agents=3, initial_opinions=[1e200, -1e200, 5e199], temperature=1.0,
                         seed=0, reporters=["mean_opinion"])
    with pytest.raises(OpinionSimError, match="step 1 produced a non-finite opinion"):
        model.step()


def test_record_every_and_record_opinions():
    model = OpinionModel(n_agents=5, record_every=3, record_opinions=True, seed=0)
    model.run(7)
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df["step"]) == [0, 3, 6]
    assert [s for s, _ in model.opinion_history] == [0, 3, 6]
    np.testing.assert_array_equal(model.opinion_history[0][1], model.initial_opinions)


def test_custom_reporters():
    model = OpinionModel(n_agents=5, seed=0,
                         reporters={"spread": lambda m: float(np.ptp(m.opinions)),
                                    "var": "variance"})
    model.run(2)
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == ["step", "spread", "var"]
    assert df["spread"].iloc[-1] <= df["spread"].iloc[0]


BAD_ARGUMENTS = [
    (dict(temperature=0.0), "temperature"),
    (dict(temperature=-1.0), "temperature"),
    (dict(temperature=float("nan")), "temperature"),
    (dict(affinity="euclid"), "affinity"),
    (dict(rule="voter"), "rule"),
    (dict(activation="parallel"), "activation"),
    (dict(opinion_space="torus"), "opinion_space"),
    (dict(step_size=0.0), "step_size"),
    (dict(step_size=1.5), "step_size"),
    (dict(stubbornness=1.2), "stubbornness"),
    (dict(stubbornness=np.zeros(3)), "stubbornness"),
    (dict(noise=-0.1), "noise"),
    (dict(initial_opinions=np.zeros((4, 2))), "initial_opinions"),
    (dict(initial_opinions=[0.0, np.nan, 0.0, 0.0, 0.0]), "initial_opinions"),
    (dict(zealots=[99]), "zealots"),
    (dict(zealots=3), "zealots"),
    (dict(heads=[[0], [5]]), "heads"),
    (dict(heads=[[0], [0]]), "heads"),
    (dict(rule="bounded_confidence"), "confidence"),
    (dict(salience=-1.0), "salience"),
    (dict(key_norm_clip=0.0), "key_norm_clip"),
    (dict(activation_rate=0.0), "activation_rate"),
    (dict(dim=0), "dim"),
    (dict(seed=-3), "seed"),
    (dict(reporters=["no_such_metric"]), "reporters"),
]


@pytest.mark.parametrize("kwargs,name", BAD_ARGUMENTS, ids=[n for _, n in BAD_ARGUMENTS])
def test_bad_arguments_name_the_parameter(kwargs, name):
    base = dict(n_agents=5, dim=2 if "heads" in kwargs else 1, seed=0)
    if "dim" in kwargs:
        base.pop("dim")
    base.update(kwargs)
    with pytest.raises(OpinionSimError, match=name):
        OpinionModel(**base)


@pytest.mark.parametrize("kwargs", [dict(), dict(graph=nx.path_graph(3), n_agents=3),
                                    dict(graph=nx.Graph()), dict(graph="karate"),
                                    dict(graph=sp.csr_array((3, 4)))])
def test_bad_networks(kwargs):
    with pytest.raises(OpinionSimError, match="graph|n_agents"):
        OpinionModel(**kwargs)


def test_error_is_a_value_error():
    assert issubclass(OpinionSimError, ValueError)


def test_set_num_threads_validates_and_round_trips():
    import opinionsim

    with pytest.raises(OpinionSimError, match="n == 0"):
        opinionsim.set_num_threads(0)
    old = opinionsim.set_num_threads(1)
    assert opinionsim.set_num_threads(old) == 1
