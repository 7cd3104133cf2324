"""The model against published closed forms: DeGroot, Friedkin–Johnsen, zealot fixed points."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionModel

INF = float("inf")


def run_to_convergence(model, max_steps=5000, tol=1e-15):
    for _ in range(max_steps):
        model.step()
        if model.last_change < tol:
            break
    return model


@pytest.mark.parametrize("step_size", [0.5, 1.0])
def test_degroot_consensus_is_degree_weighted_mean(step_size):
    # DeGroot (1974): with W = D^-1 (A + I) on a connected undirected graph the
    # consensus is sum_i pi_i x_i(0), pi_i proportional to deg_i + 1.
    g = nx.connected_watts_strogatz_graph(40, 6, 0.3, seed=3)
    model = OpinionModel(graph=g, dim=2, temperature=INF, step_size=step_size, seed=11)
    x0 = model.opinions.copy()
    deg = np.array([g.degree(v) for v in model.nodes], dtype=float)
    pi = (deg + 1) / (deg + 1).sum()
    run_to_convergence(model)
    np.testing.assert_allclose(model.opinions, np.broadcast_to(pi @ x0, x0.shape), atol=1e-10)


def test_friedkin_johnsen_steady_state():
    # Friedkin & Johnsen (1990): x* = (I - diag(1 - s) W)^-1 (s * x(0)).
    g = nx.erdos_renyi_graph(30, 0.2, seed=5)
    rng = np.random.default_rng(2)
    s = rng.uniform(0.05, 0.6, size=30)
    a = 0.7
    model = OpinionModel(graph=g, dim=1, temperature=INF, step_size=a, stubbornness=s, seed=4)
    x0 = model.opinions[:, 0].copy()
    adj = nx.to_numpy_array(g, nodelist=model.nodes) + np.eye(30)
    A_uniform = adj / adj.sum(axis=1, keepdims=True)
    W = (1 - a) * np.eye(30) + a * A_uniform
    expected = np.linalg.solve(np.eye(30) - np.diag(1 - s) @ W, s * x0)
    run_to_convergence(model)
    np.testing.assert_allclose(model.opinions[:, 0], expected, atol=1e-10)


@pytest.mark.parametrize("z_plus,z_minus", [(3, 1), (2, 2), (1, 4)])
@pytest.mark.parametrize("graph_kind", ["n_agents", "explicit"])
def test_zealot_fixed_point_on_complete_graph(z_plus, z_minus, graph_kind):
    n = 20
    x0 = np.zeros((n, 1))
    x0[:z_plus] = 1.0
    x0[z_plus:z_plus + z_minus] = -1.0
    x0[z_plus + z_minus:] = np.linspace(-0.9, 0.9, n - z_plus - z_minus)[:, None]
    zealots = list(range(z_plus + z_minus))
    graph = dict(n_agents=n) if graph_kind == "n_agents" else dict(graph=nx.complete_graph(n))
    model = OpinionModel(**graph, temperature=INF, zealots=zealots, initial_opinions=x0, seed=0)
    run_to_convergence(model)
    free = model.opinions[z_plus + z_minus:, 0]
    np.testing.assert_allclose(free, (z_plus - z_minus) / (z_plus + z_minus), atol=1e-10)
    np.testing.assert_array_equal(model.opinions[:z_plus + z_minus], x0[:z_plus + z_minus])


def test_directed_graph_means_u_listens_to_v():
    # a listens to b only; b listens to nobody and so keeps its opinion.
    g = nx.DiGraph([("a", "b")])
    model = OpinionModel(graph=g, include_self=False, temperature=INF, step_size=1.0,
                         initial_opinions=[[0.0], [1.0]], seed=0)
    model.step()
    np.testing.assert_array_equal(model.opinions, [[1.0], [1.0]])


def test_sparse_adjacency_rows_list_whom_agent_listens_to():
    adj = sp.csr_array(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=float))
    model = OpinionModel(graph=adj, include_self=False, temperature=INF, step_size=1.0,
                         initial_opinions=[0.0, 1.0, 5.0], seed=0)
    model.step()
    np.testing.assert_array_equal(model.opinions[:, 0], [1.0, 5.0, 5.0])


def test_complete_graph_path_equals_explicit_complete_graph():
    kw = dict(dim=3, temperature=0.2, affinity="distance", noise=0.01, seed=9)
    implicit = OpinionModel(n_agents=150, **kw)
    explicit = OpinionModel(graph=nx.complete_graph(150), **kw)
    implicit.run(10)
    explicit.run(10)
    np.testing.assert_allclose(implicit.opinions, explicit.opinions, rtol=1e-11, atol=1e-12)


def test_sphere_keeps_unit_norm_and_clusters_at_low_temperature():
    model = OpinionModel(n_agents=60, dim=3, opinion_space="sphere", temperature=0.05,
                         affinity="cosine", seed=2)
    model.run(100)
    np.testing.assert_allclose(np.linalg.norm(model.opinions, axis=1), 1.0, rtol=1e-12)


def test_heads_update_only_their_dimensions():
    # Head 0 (dim 0) averages uniformly; head 1 (dim 1) attends one-hot to itself
    # under distance affinity at temperature 1e-12 with distinct opinions.
    x0 = np.array([[0.0, 0.0], [1.0, 5.0], [2.0, 10.0]])
    model = OpinionModel(n_agents=3, dim=3 - 1, heads=[[0], [1]], temperature=1e-12,
                         affinity="distance", step_size=1.0, initial_opinions=x0, seed=0)
    model.step()
    np.testing.assert_array_equal(model.opinions[:, 1], x0[:, 1])
    np.testing.assert_array_equal(model.opinions[:, 0], x0[:, 0])
    uniform = OpinionModel(n_agents=3, dim=3, heads=[[0]], temperature=INF, step_size=1.0,
                           initial_opinions=np.c_[x0, x0[:, :1]], seed=0)
    uniform.step()
    np.testing.assert_array_equal(uniform.opinions[:, 0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(uniform.opinions[:, 1:], np.c_[x0, x0[:, :1]][:, 1:])


def test_hegselmann_krause_textbook_step():
    # Hegselmann & Krause (2002): x_i <- mean{x_j : |x_i - x_j| <= eps}, synchronous.
    x0 = np.array([0.0, 0.2, 0.4, 1.0, 1.1])
    model = OpinionModel(n_agents=5, rule="bounded_confidence", confidence=0.25, step_size=1.0,
                         initial_opinions=x0, seed=0)
    model.step()
    expected = [0.1, 0.2, 0.3, 1.05, 1.05]
    np.testing.assert_allclose(model.opinions[:, 0], expected, rtol=1e-15)


def test_loud_agent_hijacks_dot_attention_but_not_cosine():
    x0 = np.array([[1.0, 0.2], [0.9, 0.1], [0.8, 0.3], [1.0, -0.1]])
    salience = np.array([50.0, 1.0, 1.0, 1.0])
    dot = OpinionModel(n_agents=4, dim=2, salience=salience, temperature=1.0,
                       initial_opinions=x0, seed=0).attention().toarray()
    cos = OpinionModel(n_agents=4, dim=2, salience=salience, temperature=1.0,
                       affinity="cosine", initial_opinions=x0, seed=0).attention().toarray()
    clipped = OpinionModel(n_agents=4, dim=2, salience=salience, temperature=1.0,
                           key_norm_clip=1.0, initial_opinions=x0, seed=0).attention().toarray()
    assert dot[1:, 0].min() > 0.99
    assert cos[1:, 0].max() < 0.5
    assert clipped[1:, 0].max() < 0.5


def test_head_order_does_not_matter():
    x0 = np.random.default_rng(3).normal(size=(12, 3))
    kw = dict(n_agents=12, dim=3, temperature=0.4, affinity="distance", initial_opinions=x0,
              seed=1)
    plain = OpinionModel(**kw)
    shuffled = OpinionModel(**kw, heads=[[2, 0, 1]])
    plain.run(5)
    shuffled.run(5)
    np.testing.assert_allclose(shuffled.opinions, plain.opinions, rtol=1e-12, atol=1e-14)
